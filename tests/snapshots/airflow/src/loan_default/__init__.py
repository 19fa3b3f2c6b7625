"""loan-default: training, evaluation, inference and delivery code."""
