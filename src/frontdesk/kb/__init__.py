"""The knowledge base: articles in many languages, with drafts, published versions and
history; public pages in the customer portal; suggestions while customers type."""
