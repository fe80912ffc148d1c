// The networking layer in one include: HTTP types, HttpServer (+ WebSocket sessions),
// WebSocketClient and the blocking HttpCall.
#pragma once

#include "borealis/net/http.h"
#include "borealis/net/http_client.h"
#include "borealis/net/http_server.h"
#include "borealis/net/url.h"
#include "borealis/net/websocket_client.h"
