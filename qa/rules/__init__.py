"""The hand-written rules: question analysis, span finding and scoring, measures."""
