"""Shopper journeys, the reference forwarding pipeline and the scenario runner (the next milestone;
installed beside `simulator` so scenarios can import it)."""
