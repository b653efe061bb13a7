"""amp_access: diffusion levels enforced on every channel, access requests, grants, audit log."""
