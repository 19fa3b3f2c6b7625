"""tariff-models: training, evaluation, inference and delivery code."""
