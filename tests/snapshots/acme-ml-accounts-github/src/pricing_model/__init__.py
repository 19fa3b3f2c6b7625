"""pricing-model: training, evaluation, inference and delivery code."""
