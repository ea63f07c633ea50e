"""railmount validation suites. Hosts, items and expected values come from the planner.

Run through `railmount validate -i INVENTORY`, or plainly:
    pytest validate/ --hosts=ansible://storage_clients --ansible-inventory=inventory/lab
"""

from railmount.validation.plugin import *  # noqa: F403  (hooks and fixtures)
