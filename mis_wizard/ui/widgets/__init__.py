"""Small reusable widgets: masked secret inputs, the screen-share switch, banners, elided labels."""
