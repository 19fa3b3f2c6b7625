"""claims-severity: training, evaluation, inference and delivery code."""
