"""Code that also runs on the GPU servers: stdlib only, Python 3.9 (and 3.8, which
Ubuntu 20.04 / DGX OS 5 ships).

Each module is self-contained so it can be shipped as one file next to the failover agent.
"""
