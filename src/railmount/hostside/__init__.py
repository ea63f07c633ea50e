"""Code that also runs on the GPU servers: stdlib only, Python 3.9 (Debian 11 / Ubuntu 20.04+).

Each module is self-contained so it can be shipped as one file next to the failover agent.
"""
