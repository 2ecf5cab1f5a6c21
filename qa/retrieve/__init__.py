"""Finding passages: BM25 and dense search fused, with the district and year of the question."""
