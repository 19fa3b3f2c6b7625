"""quote-pricing: training, evaluation, inference and delivery code."""
