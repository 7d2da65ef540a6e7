sudo -u glance glance-deactivate-manage \
    --config-file /etc/glance/glance-api.conf db sync
