"""claims-triage: training, evaluation, inference and delivery code."""
