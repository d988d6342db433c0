"""The SLA engine: clocks of every ticket and the policy rules that configure them."""
