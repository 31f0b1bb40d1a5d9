"""Field mapping, filters and record preview: what the integrator will receive."""
