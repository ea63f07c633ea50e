"""Code that runs on the GPU servers themselves (stdlib only, Python 3.9+).

The deploy ships this package to /usr/local/lib/railmount/railmount_host/ and the
`railmount-host` command runs it: the failover agent, netplan apply with verify and
rollback, sysctl sync, the storage path check. The controller and the lab import the
same modules (route expectations, the gratuitous ARP frame), so each fact lives once.
Imports inside the package are relative: it runs under another name on the hosts.
"""
