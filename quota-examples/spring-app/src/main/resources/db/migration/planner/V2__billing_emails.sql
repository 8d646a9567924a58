-- Where each account's quota alerts are e-mailed: quota reads this column (quota.alerts.email.recipients).
ALTER TABLE account ADD COLUMN billing_email text;

UPDATE account SET billing_email = 'billing@' || id || '.example';
