"""The Klaviyo domain model: one `Account` per company id (public key), shared by /api and /client."""
