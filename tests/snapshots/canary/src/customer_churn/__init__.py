"""customer-churn: training, evaluation, inference and delivery code."""
