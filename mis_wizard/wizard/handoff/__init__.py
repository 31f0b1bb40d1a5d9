"""What the admin sends the integrator: the encrypted bundle, the credentials workbook, the support report."""
