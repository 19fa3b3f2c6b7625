"""demand-forecast: training, evaluation, inference and delivery code."""
