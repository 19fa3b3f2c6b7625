"""credit-limit: training, evaluation, inference and delivery code."""
