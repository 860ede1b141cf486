-- The provider account (a Dialpad company id) a connection's credentials belong to, as
-- the provider named it when they were verified or authorized; NULL when not known
-- (connections from before this migration, or a provider that did not say). Dialpad's
-- rate limits are per company: the gateway's limiter shares one window among all the
-- connections of one company.
ALTER TABLE connections ADD COLUMN account_id TEXT;
