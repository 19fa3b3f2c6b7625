"""document-classifier: training, evaluation, inference and delivery code."""
