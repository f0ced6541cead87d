
use builtin;
use str;

set edit:completion:arg-completer[amitools] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'amitools'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'amitools'= {
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create an image from an instance, named and tagged with its lineage'
            cand tag 'Set the lineage tags on an image made some other way'
            cand waiton 'Wait for an image to reach a state'
            cand ancestors 'Show the images an image was made from, back to the root'
            cand children 'Show the images made from an image, and from those, as a tree'
            cand copy 'Copy an image to another region (or the same one), keeping its lineage'
            cand clone 'Make your own copy of an image, in the same region, keeping its lineage'
            cand prune 'Delete old images and their snapshots, per family, never what is in use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'amitools;create'= {
            cand -n 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]'
            cand --name 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]'
            cand -N 'Prefix for the generated name'
            cand --random-name-prefix 'Prefix for the generated name'
            cand -d 'Description for the new image'
            cand --description 'Description for the new image'
            cand -t 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden'
            cand --tag 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden'
            cand --timeout 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --wait 'Wait until the image is available (as `amitools waiton`); the id is printed first'
            cand --dry-run 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing'
            cand --no-reboot 'Do not shut the instance down first (the file system may be inconsistent)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;tag'= {
            cand --source-image 'The AMI the image was made from'
            cand --source-instance 'The instance the image was made from (optional: an image made by CopyImage, RegisterImage or an import has none)'
            cand --source-region 'The region of the source AMI'
            cand --create-date 'When the image was made, UTC: YYYYMMDDTHHMMSSZ'
            cand --create-timestamp 'When the image was made, in seconds since 1970-01-01 UTC'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --from-api 'Fill values not given from what EC2 recorded (SourceImageId, SourceImageRegion, SourceInstanceId, CreationDate)'
            cand --dry-run 'Show what would be set; set nothing'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;waiton'= {
            cand --timeout 'Give up after this long (90s, 15m, 1h, 1h30m or seconds)'
            cand --interval 'Longest pause between two checks (at least 1s)'
            cand --exist-timeout 'How long "not found" means "not visible yet", within --timeout'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --dumb 'Wait strictly for STATE until the timeout, even when it can never be reached'
            cand --nowait-exist 'An image not visible at the first check is "not found" (exit 5) at once'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;ancestors'= {
            cand -C 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin'
            cand --columns 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin'
            cand --max-depth 'Stop after this many generations'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --no-header 'Leave out the header line'
            cand --ids 'Print only the image ids, one per line'
            cand --tags-only 'Follow only lineage tags, not what EC2 recorded (SourceImageId)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;children'= {
            cand -C 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin'
            cand --columns 'Columns to show, in order: image_id, create_date, create_ts, source_instance, source_region, name, state, owner, description, origin'
            cand --depth 'Show at most this many generations'
            cand --regions 'Look for children in these regions [default: the current region]'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --no-header 'Leave out the header line'
            cand --ids 'Print only the image ids, one per line'
            cand --tags-only 'Follow only lineage tags, not what EC2 recorded (SourceImageId)'
            cand --flat 'A table with a DEPTH column instead of the tree'
            cand --all-regions 'Look for children in every region enabled for the account'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;copy'= {
            cand --source-region 'The region the source image is in [default: the current region]'
            cand -R 'The region to copy to [default: the current region]'
            cand --dest-region 'The region to copy to [default: the current region]'
            cand -n 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]'
            cand --name 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]'
            cand -N 'Prefix for the generated name'
            cand --random-name-prefix 'Prefix for the generated name'
            cand -d 'Description for the new image'
            cand --description 'Description for the new image'
            cand -t 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden'
            cand --tag 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden'
            cand --timeout 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours'
            cand --kms-key-id 'KMS key for the encrypted copy: key id, key ARN, alias name or alias ARN'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --wait 'Wait until the image is available (as `amitools waiton`); the id is printed first'
            cand --dry-run 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing'
            cand --encrypted 'Encrypt the copy''s snapshots (with the account''s default EBS key unless --kms-key-id)'
            cand --no-copy-tags 'Do not copy the source''s own tags (the lineage tags are always set)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;clone'= {
            cand -n 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]'
            cand --name 'Name for the new image [default: PREFIX-<unix seconds>-<random number>]'
            cand -N 'Prefix for the generated name'
            cand --random-name-prefix 'Prefix for the generated name'
            cand -d 'Description for the new image'
            cand --description 'Description for the new image'
            cand -t 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden'
            cand --tag 'Extra tag for the image and its snapshots (repeatable); lineage tags cannot be overridden'
            cand --timeout 'With --wait: give up waiting after this long (90s, 15m, 1h, 1h30m or seconds); large cross-region copies take hours'
            cand --kms-key-id 'KMS key for the encrypted copy: key id, key ARN, alias name or alias ARN'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --wait 'Wait until the image is available (as `amitools waiton`); the id is printed first'
            cand --dry-run 'Ask EC2 whether the request would succeed (permissions, parameters); create nothing'
            cand --encrypted 'Encrypt the copy''s snapshots (with the account''s default EBS key unless --kms-key-id)'
            cand --no-copy-tags 'Do not copy the source''s own tags (the lineage tags are always set)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;prune'= {
            cand --regions 'Consider the images in these regions [default: the current region]'
            cand -N 'Only images named PREFIX-… (as `create -N PREFIX` names them)'
            cand --name-prefix 'Only images named PREFIX-… (as `create -N PREFIX` names them)'
            cand --filter 'Only images with this tag (repeatable: all must match)'
            cand --descendants-of 'Only this image (in the current region) and the images made from it'
            cand --keep 'Keep this many newest available images of each family, per region'
            cand --older-than 'Keep images younger than this (14d, 36h, 90d)'
            cand --unused-for 'Keep images launched from within this (EC2 reports launches up to a day late: a day is added)'
            cand --family 'What makes a family: prefix (of generated names), tag:KEY, or source (same source image)'
            cand --plan-out 'Also save the plan as JSON to FILE (for --apply-plan)'
            cand --apply-plan 'Delete the images a saved plan deletes that its rules still let go, each re-checked just before'
            cand --max-plan-age 'Refuse a saved plan older than this (--apply-plan)'
            cand -r 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --region 'AWS region to use [default: AWS_REGION, AWS_DEFAULT_REGION, the credential file, the profile]'
            cand --profile 'Named profile from the AWS config and credentials files'
            cand --endpoint-url 'Send EC2 requests for every region to this URL instead of AWS: an endpoint that serves all regions, such as a simulator [env: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL]'
            cand --region-endpoint 'Send EC2 requests for one region to this URL (a VPC endpoint); repeatable, beats --endpoint-url for that region'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --all-regions 'Consider every region enabled for the account'
            cand --keep-ancestors 'Also keep every ancestor of every kept image'
            cand --keep-snapshots 'Deregister images but leave their snapshots'
            cand --apply 'Delete what the plan says (each image re-checked just before)'
            cand --no-header 'Leave out the header line'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv trace; RUST_LOG overrides)'
            cand -q 'Only errors on stderr: no notes, no progress'
            cand --quiet 'Only errors on stderr: no notes, no progress'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'amitools;help'= {
            cand create 'Create an image from an instance, named and tagged with its lineage'
            cand tag 'Set the lineage tags on an image made some other way'
            cand waiton 'Wait for an image to reach a state'
            cand ancestors 'Show the images an image was made from, back to the root'
            cand children 'Show the images made from an image, and from those, as a tree'
            cand copy 'Copy an image to another region (or the same one), keeping its lineage'
            cand clone 'Make your own copy of an image, in the same region, keeping its lineage'
            cand prune 'Delete old images and their snapshots, per family, never what is in use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'amitools;help;create'= {
        }
        &'amitools;help;tag'= {
        }
        &'amitools;help;waiton'= {
        }
        &'amitools;help;ancestors'= {
        }
        &'amitools;help;children'= {
        }
        &'amitools;help;copy'= {
        }
        &'amitools;help;clone'= {
        }
        &'amitools;help;prune'= {
        }
        &'amitools;help;help'= {
        }
    ]
    $completions[$command]
}
