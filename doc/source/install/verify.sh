# GLANCE: the image API endpoint; IMAGE: an active image with data;
# ADMIN_TOKEN: an admin's token; MEMBER_TOKEN: a token of a member of
# the image's project (openstack token issue -f value -c id).
code() { curl -s -o /dev/null -w '%{http_code}\n' "$@"; }
status() { curl -s "$@" | grep -o '"status": "[a-z]*"'; }
img=$GLANCE/v2/images/$IMAGE
admin="X-Auth-Token: $ADMIN_TOKEN"
member="X-Auth-Token: $MEMBER_TOKEN"
code -X POST -H "$admin" "$img/actions/deactivate"   # 204
status -H "$member" "$img"                         # "status": "deactivated"
code -H "$member" "$img/file"                        # 403
code -H "$admin" "$img/file"                         # 200
code -X POST -H "$admin" "$img/actions/reactivate"   # 204
status -H "$member" "$img"                         # "status": "active"
code -H "$member" "$img/file"                        # 200
