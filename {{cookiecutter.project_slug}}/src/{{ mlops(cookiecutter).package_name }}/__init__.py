{%- set p = mlops(cookiecutter) -%}
"""{{ p.slug }}: training, evaluation, inference and delivery code."""
