"""Fitting and measuring: the reader's and the ranker's training data and training, and the evaluation of answers."""
