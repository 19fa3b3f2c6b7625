"""card-fraud: training, evaluation, inference and delivery code."""
