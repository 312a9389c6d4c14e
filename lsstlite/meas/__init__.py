"""Single-frame measurement: plugin framework (registry, slots, noise replacement) and plugins."""
