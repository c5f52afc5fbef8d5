"""The dashboard's views: one module per page, each a layout and the callbacks that fill it."""
