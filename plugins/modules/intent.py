#!/usr/bin/python
# Copyright (c) 2026 railmount developers
# MIT License (see LICENSE in the collection root or https://opensource.org/licenses/MIT)
# SPDX-License-Identifier: MIT
"""Documentation of the railmount.storage.intent action (plugins/action/intent.py), which
runs on the controller only; there is no module code (ansible-doc and ansible-test read
the action's documentation from here)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: intent
short_description: What the array or the switches must hold, from railmount's model
description:
  - Runs on the controller only (an action plugin); it contacts no host and no array.
  - Checks and plans the inventory as the first play of C(railmount.storage.site) does
    (any problem fails the task, listing every one with host, dotted field and fix), then
    derives from C(railmount_fabric) and C(railmount_array) what the array or the switches
    must hold.
  - With O(target=array) it sets the C(railmount_array_intent) fact the
    C(railmount.storage.array) role applies; with O(target=switches) the
    C(railmount_switch_intents) fact C(playbooks/switches.yml) applies; with
    O(target=array_check) it compares O(info) (a C(purefb_info) result) with the intent,
    one check per item, and fails naming every mismatch as C(expected X, actual Y).
requirements:
  - railmount (the Python package, in the Python that runs Ansible on the controller;
    C(pip install railmount))
options:
  target:
    description:
      - V(array), V(switches) or V(array_check).
    type: str
    choices: [array, switches, array_check]
    required: true
  info:
    description:
      - The C(purefb_info) module's result (or its C(purefb_info) dict), for
        O(target=array_check).
    type: dict
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
- name: What the array must hold
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The array intent as a fact
      railmount.storage.intent:
        target: array

    - name: Cross-check the array against the model
      railmount.storage.intent:
        target: array_check
        info: "{{ blade_info }}"
"""

RETURN = r"""
checks:
  description: One result per item of the array cross-check (O(target=array_check)).
  returned: target is array_check
  type: list
  elements: dict
  sample:
    - {host: fb01, item: subnet vlan2115, what: vlan, expected: "2115", actual: "2115"}
problems:
  description: "Every problem of the inventory, as C(HOST: FIELD: MESSAGE - fix: FIX)."
  returned: failure
  type: list
  elements: str
ansible_facts:
  description: The facts the action sets.
  returned: target is array or switches
  type: dict
  contains:
    railmount_array_intent:
      description: What the array must hold (O(target=array)).
      returned: target is array
      type: dict
    railmount_switch_intents:
      description: Per switch, what it must hold (O(target=switches)).
      returned: target is switches
      type: dict
"""
