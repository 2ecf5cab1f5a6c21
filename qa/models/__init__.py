"""Learned inference: the span reader, the candidates' features, the ranker and the rules' confidence model, with their shipped weights."""
