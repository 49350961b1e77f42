"""The needs service (需求 → 服务项目): residents' needs, and the service items made from them."""
