"""The Omnisend domain model: one `Brand` per account, shared by the v3 and the dated surfaces.

Field names inside the model are neutral where the two API lines differ (`id` for a contact, not
`contactID`); each surface maps its own names."""
