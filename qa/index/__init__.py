"""The index: chunking, periods, tokenising, BM25, dense vectors, substring counts, segments on disk, and the library that keeps it in step with the corpus."""
