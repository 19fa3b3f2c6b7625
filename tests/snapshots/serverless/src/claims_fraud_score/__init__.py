"""claims-fraud-score: training, evaluation, inference and delivery code."""
