"""churn-pipeline: training, evaluation, inference and delivery code."""
