"""churn-score: training, evaluation, inference and delivery code."""
