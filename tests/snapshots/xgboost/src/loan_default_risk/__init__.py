"""loan-default-risk: training, evaluation, inference and delivery code."""
