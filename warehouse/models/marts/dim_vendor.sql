-- Vendors, type 1. Output: the vendors that are new or changed since the warehouse last had them.
with vendors as (
    select * from {{ ref('stg_vendors') }}
),

incoming as (
    select
        cast(hash('vendor|' || cast(vendor_id as varchar)) >> 1 as bigint) as vendor_key,
        vendor_id,
        vendor_name,
        country
    from vendors
),

final as (
    select * from incoming
    except
    select * from {{ this }}
)

select * from final
