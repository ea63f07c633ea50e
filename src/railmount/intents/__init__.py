"""The array and the switches from the same model as the hosts (issue 18)."""
