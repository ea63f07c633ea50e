"""railmount: multi-VIP NFS client deployment and validation."""
