"""terrain's benchmark suite: ours against established peers, measured in the same run."""
