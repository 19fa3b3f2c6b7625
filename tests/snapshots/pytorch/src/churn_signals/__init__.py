"""churn-signals: training, evaluation, inference and delivery code."""
