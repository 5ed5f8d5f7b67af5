package io.nvent.war.userapp;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The user's own REST API, activated the usual way: it lists no classes, so the server adds all it finds. */
@ApplicationPath("api/shop")
public class ShopApi extends Application {
}
