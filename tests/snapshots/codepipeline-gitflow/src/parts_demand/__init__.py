"""parts-demand: training, evaluation, inference and delivery code."""
