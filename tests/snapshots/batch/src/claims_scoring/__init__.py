"""claims-scoring: training, evaluation, inference and delivery code."""
