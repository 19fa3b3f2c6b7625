"""line-sensor-faults: training, evaluation, inference and delivery code."""
