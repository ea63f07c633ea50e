#!/usr/bin/python
# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""Documentation of the railmount.storage.plan action (plugins/action/plan.py), which runs
on the controller only; there is no module code (ansible-doc and ansible-test read the
action's documentation from here)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: plan
short_description: Check the inventory and plan every host once per run; hand each host its plan
description:
  - Runs on the controller only (an action plugin); it contacts no host.
  - With O(scope=inventory) (the first play of C(railmount.storage.site), on localhost) it
    reads the C(railmount_*) variables of every storage client and switch as this run sees
    them (group_vars, host_vars, extra vars, vault), checks them with the checker of
    C(railmount check) - any problem fails the task, listing every one with host, dotted
    field and fix - plans every host and writes one plan file per host into this run's
    temporary directory. It sets the C(railmount_run) fact (the plan directory, the hosts
    and the rollout settings the next play's C(serial) reads).
  - With O(scope=host) (the C(railmount.storage.plan) role, on each storage client) it
    reads that host's plan file and sets the C(railmount_plan_json) fact, the plan as JSON
    text (C(ansible_facts.railmount_plan_json | from_json) is the plan). Without a first
    play the first host to need a plan checks and plans the whole inventory, once.
requirements:
  - railmount (the Python package, in the Python that runs Ansible on the controller;
    C(pip install railmount))
options:
  scope:
    description:
      - V(inventory) checks and plans every host; V(host) hands this host its plan.
    type: str
    choices: [inventory, host]
    default: host
attributes:
  check_mode:
    support: full
    description: Pure computation on the controller; the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show.
  platform:
    support: full
    platforms: all
    description: Runs on the controller.
author:
  - railmount developers (!UNKNOWN)
"""

EXAMPLES = r"""
- name: Check the inventory and plan every host, once, before any host is touched
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Check the whole inventory and plan every host
      railmount.storage.plan:
        scope: inventory
      check_mode: false

- name: Use the plan
  hosts: storage_clients
  gather_facts: false
  tasks:
    - name: Set this host's plan
      railmount.storage.plan:
        scope: host
      check_mode: false

    - name: Show this host's mounts
      ansible.builtin.debug:
        msg: "{{ (ansible_facts.railmount_plan_json | from_json).mounts | map(attribute='path') }}"
"""

RETURN = r"""
hosts:
  description: The storage clients planned (O(scope=inventory)).
  returned: success and scope is inventory
  type: list
  elements: str
  sample: [dgx-1-1, dgx-1-2]
problems:
  description: "Every problem of the inventory, as C(HOST: FIELD: MESSAGE - fix: FIX)."
  returned: failure
  type: list
  elements: str
  sample: ["dgx-1-1: railmount_ports[0].mac: ... - fix: quote it"]
ansible_facts:
  description: The facts the action sets.
  returned: success
  type: dict
  contains:
    railmount_run:
      description: The plan directory, the hosts and the rollout (O(scope=inventory)).
      returned: scope is inventory
      type: dict
      sample:
        plans_dir: /tmp/ansible-local-1234/railmount-plans-abcd
        hosts: [dgx-1-1]
        rollout: {serial: [1, "100%"], max_fail_percentage: 0}
    railmount_plan_json:
      description: This host's plan as JSON text (O(scope=host)).
      returned: scope is host
      type: str
"""
