"""deltagrad in the browser: its wheels, and a JupyterLite site that runs offline (make lite)."""
