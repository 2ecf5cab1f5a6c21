"""Answering a question: the pipeline that joins retrieval, the rules and the models, and the result's JSON shape."""
