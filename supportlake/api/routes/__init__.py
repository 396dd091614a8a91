"""One router module per resource; supportlake.api.app includes them."""
